// Reading a waybill QR: from the camera (getUserMedia, frames decoded with jsQR) or from a photo of it.
import jsQR from 'jsqr';
import { useEffect, useRef, useState } from 'preact/hooks';
import { L } from './i18n';

function decodeCanvas(source: CanvasImageSource, w: number, h: number): string | null {
  // Large photos are scaled down: jsQR needs a few pixels per module, not 12 megapixels.
  const scale = Math.min(1, 1600 / Math.max(w, h));
  const cw = Math.max(1, Math.round(w * scale));
  const ch = Math.max(1, Math.round(h * scale));
  const canvas = document.createElement('canvas');
  canvas.width = cw;
  canvas.height = ch;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, cw, ch);
  ctx.drawImage(source, 0, 0, cw, ch);
  const img = ctx.getImageData(0, 0, cw, ch);
  return jsQR(img.data, cw, ch, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

export async function decodeQrFile(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    return decodeCanvas(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

// Camera preview that calls onText once with the first QR read.
export function CameraScanner(props: { onText: (text: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer: number | undefined;
    let done = false;
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
        const v = video.current!;
        v.srcObject = stream;
        await v.play();
        const tick = () => {
          if (done) return;
          if (v.videoWidth) {
            const text = decodeCanvas(v, v.videoWidth, v.videoHeight);
            if (text) {
              done = true;
              props.onText(text);
              return;
            }
          }
          timer = window.setTimeout(tick, 200);
        };
        tick();
      } catch (e) {
        setError(L('无法使用摄像头：', 'The camera is not available: ') + (e as Error).message);
      }
    })();
    return () => {
      done = true;
      if (timer) clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);
  return (
    <div class="camera">
      {error ? <p class="error">{error}</p> : <video ref={video} playsInline muted />}
      <button onClick={props.onClose}>{L('关闭摄像头', 'Close camera')}</button>
    </div>
  );
}

// The three ways in: camera, a photo of the QR, or typing.
export function QrInput(props: { onText: (text: string) => void; testid?: string }) {
  const [camera, setCamera] = useState(false);
  const [error, setError] = useState('');
  return (
    <div class="qr-input">
      <div class="row wrap">
        <button type="button" class="primary big" onClick={() => setCamera(true)}>
          {L('扫描二维码', 'Scan the QR')}
        </button>
        <label class="button big">
          {L('上传二维码图片', 'Upload a QR image')}
          <input
            type="file"
            accept="image/*"
            data-testid={props.testid ?? 'qr-file'}
            hidden
            onChange={async (e) => {
              const f = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (!f) return;
              setError('');
              try {
                const text = await decodeQrFile(f);
                if (text) props.onText(text);
                else setError(L('图片中未识别到二维码', 'No QR code found in that picture'));
              } catch {
                setError(L('无法读取该图片', 'That picture cannot be read'));
              }
            }}
          />
        </label>
      </div>
      {camera && (
        <CameraScanner
          onText={(t) => {
            setCamera(false);
            props.onText(t);
          }}
          onClose={() => setCamera(false)}
        />
      )}
      {error && <p class="error">{error}</p>}
    </div>
  );
}
