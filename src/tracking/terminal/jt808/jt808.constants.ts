// JT/T 808 constants and bit tables shared by the decoder and the encoder.
// Sources: JT/T 808-2013 tables 24 (alarm flags) and 25 (status bits), JT/T 808-2019 for the bits it added;
// cross-checked against the enums of SmallChi/JT808, yezhihao/jt808-server and cuteLittleDevil/go-jt808.

export const JT808_MESSAGE_ID = {
  TERMINAL_GENERAL_REPLY: 0x0001,
  HEARTBEAT: 0x0002,
  LOGOUT: 0x0003,
  REGISTER: 0x0100,
  AUTH: 0x0102,
  LOCATION: 0x0200,
  DRIVER_IDENTITY: 0x0702,
  BATCH_LOCATION: 0x0704,
  PLATFORM_GENERAL_REPLY: 0x8001,
  RESEND_SUBPACKAGES: 0x8003,
  REGISTER_REPLY: 0x8100,
} as const;

// 0x8001 result (JT/T 808-2013 §8.2). 4 is only used to confirm an alarm the platform has handled.
export const JT808_PLATFORM_RESULT = {
  SUCCESS: 0,
  FAILURE: 1,
  MESSAGE_ERROR: 2,
  NOT_SUPPORTED: 3,
  ALARM_CONFIRMED: 4,
} as const;
export type Jt808PlatformResult = (typeof JT808_PLATFORM_RESULT)[keyof typeof JT808_PLATFORM_RESULT];

// 0x0001 result (§8.1): same codes without the alarm confirmation.
export const JT808_TERMINAL_RESULT = { SUCCESS: 0, FAILURE: 1, MESSAGE_ERROR: 2, NOT_SUPPORTED: 3 } as const;
export type Jt808TerminalResult = (typeof JT808_TERMINAL_RESULT)[keyof typeof JT808_TERMINAL_RESULT];

// 0x8100 result (§8.6). The auth code is only sent with OK.
export const JT808_REGISTER_RESULT = {
  OK: 0,
  VEHICLE_ALREADY_REGISTERED: 1,
  NO_SUCH_VEHICLE: 2,
  TERMINAL_ALREADY_REGISTERED: 3,
  NO_SUCH_TERMINAL: 4,
} as const;
export type Jt808RegisterResult = (typeof JT808_REGISTER_RESULT)[keyof typeof JT808_REGISTER_RESULT];

// Body length is 10 bits of the message properties (§4.4.3).
export const JT808_MAX_BODY_LENGTH = 0x3ff;

export type Jt808BitDefinition<K extends string> = {
  bit: number;
  key: K;
  zh: string;
  en: string;
  // 'ack': the terminal clears the flag once the platform acknowledges (0x8001 result 4 / 0x8203);
  // 'condition': the flag stays set while the condition lasts.
  clears?: 'ack' | 'condition';
  since?: '2019';
};

// Alarm flags of 0x0200 (JT/T 808-2013 table 24; bits 15-17 were reserved until 2019).
export const JT808_ALARM_BITS = [
  { bit: 0, key: 'emergency', zh: '紧急报警，触动报警开关后触发', en: 'Emergency (SOS button)', clears: 'ack' },
  { bit: 1, key: 'overspeed', zh: '超速报警', en: 'Overspeed', clears: 'condition' },
  { bit: 2, key: 'fatigueDriving', zh: '疲劳驾驶', en: 'Fatigue driving', clears: 'condition' },
  { bit: 3, key: 'dangerWarning', zh: '危险预警', en: 'Danger warning', clears: 'ack' },
  { bit: 4, key: 'gnssModuleFault', zh: 'GNSS 模块发生故障', en: 'GNSS module fault', clears: 'condition' },
  { bit: 5, key: 'gnssAntennaDisconnected', zh: 'GNSS 天线未接或被剪断', en: 'GNSS antenna disconnected or cut', clears: 'condition' },
  { bit: 6, key: 'gnssAntennaShort', zh: 'GNSS 天线短路', en: 'GNSS antenna short circuit', clears: 'condition' },
  { bit: 7, key: 'mainPowerUndervoltage', zh: '终端主电源欠压', en: 'Main power undervoltage', clears: 'condition' },
  { bit: 8, key: 'mainPowerOff', zh: '终端主电源掉电', en: 'Main power off', clears: 'condition' },
  { bit: 9, key: 'lcdFault', zh: '终端 LCD 或显示器故障', en: 'LCD / display fault', clears: 'condition' },
  { bit: 10, key: 'ttsFault', zh: 'TTS 模块故障', en: 'TTS module fault', clears: 'condition' },
  { bit: 11, key: 'cameraFault', zh: '摄像头故障', en: 'Camera fault', clears: 'condition' },
  { bit: 12, key: 'icCardModuleFault', zh: '道路运输证 IC 卡模块故障', en: 'Road transport certificate IC card module fault', clears: 'condition' },
  { bit: 13, key: 'overspeedWarning', zh: '超速预警', en: 'Overspeed pre-warning', clears: 'condition' },
  { bit: 14, key: 'fatigueDrivingWarning', zh: '疲劳驾驶预警', en: 'Fatigue driving pre-warning', clears: 'condition' },
  { bit: 15, key: 'illegalDriving', zh: '违规行驶报警', en: 'Illegal driving (restricted hours)', clears: 'condition', since: '2019' },
  { bit: 16, key: 'tirePressureWarning', zh: '胎压预警', en: 'Tyre pressure warning', clears: 'condition', since: '2019' },
  { bit: 17, key: 'rightTurnBlindSpot', zh: '右转盲区异常报警', en: 'Right-turn blind spot abnormal', clears: 'condition', since: '2019' },
  { bit: 18, key: 'dailyDrivingTimeout', zh: '当天累计驾驶超时', en: 'Cumulative driving time of the day exceeded', clears: 'condition' },
  { bit: 19, key: 'parkingTimeout', zh: '超时停车', en: 'Parking overtime', clears: 'condition' },
  { bit: 20, key: 'areaInOut', zh: '进出区域', en: 'Entering / leaving area', clears: 'ack' },
  { bit: 21, key: 'routeInOut', zh: '进出路线', en: 'Entering / leaving route', clears: 'ack' },
  { bit: 22, key: 'routeDriveTime', zh: '路段行驶时间不足/过长', en: 'Route section drive time too short / too long', clears: 'ack' },
  { bit: 23, key: 'routeDeviation', zh: '路线偏离报警', en: 'Route deviation', clears: 'condition' },
  { bit: 24, key: 'vssFault', zh: '车辆 VSS 故障', en: 'Vehicle speed sensor (VSS) fault', clears: 'condition' },
  { bit: 25, key: 'fuelAbnormal', zh: '车辆油量异常', en: 'Abnormal fuel level', clears: 'condition' },
  { bit: 26, key: 'vehicleStolen', zh: '车辆被盗（通过车辆防盗器）', en: 'Vehicle stolen (anti-theft device)', clears: 'condition' },
  { bit: 27, key: 'illegalIgnition', zh: '车辆非法点火', en: 'Illegal ignition', clears: 'ack' },
  { bit: 28, key: 'illegalMovement', zh: '车辆非法位移', en: 'Illegal movement', clears: 'ack' },
  { bit: 29, key: 'collisionWarning', zh: '碰撞预警', en: 'Collision warning', clears: 'condition' },
  { bit: 30, key: 'rolloverWarning', zh: '侧翻预警', en: 'Rollover warning', clears: 'condition' },
  { bit: 31, key: 'illegalDoorOpening', zh: '非法开门报警（终端未设置区域时，不判断非法开门）', en: 'Illegal door opening', clears: 'ack' },
] as const satisfies readonly Jt808BitDefinition<string>[];

export type Jt808AlarmKey = (typeof JT808_ALARM_BITS)[number]['key'];

// Status bits of 0x0200 (JT/T 808-2013 table 25; bits 6, 7 and 22 added in 2019). Bits 8-9 are the 2-bit load
// state and are decoded separately (00 empty, 01 half, 10 reserved, 11 full).
export const JT808_STATUS_BITS = [
  { bit: 0, key: 'accOn', zh: 'ACC 开', en: 'ACC (ignition) on' },
  { bit: 1, key: 'positioned', zh: '定位', en: 'Position fixed' },
  { bit: 2, key: 'southLatitude', zh: '南纬', en: 'South latitude' },
  { bit: 3, key: 'westLongitude', zh: '西经', en: 'West longitude' },
  { bit: 4, key: 'outOfService', zh: '停运状态', en: 'Out of service (0 = operating)' },
  { bit: 5, key: 'coordinatesEncrypted', zh: '经纬度已经保密插件加密', en: 'Coordinates encrypted by a secrecy plug-in' },
  { bit: 6, key: 'forwardCollisionWarning', zh: '紧急刹车系统采集的前撞预警', en: 'Forward collision warning (AEBS)', since: '2019' },
  { bit: 7, key: 'laneDepartureWarning', zh: '车道偏移预警', en: 'Lane departure warning', since: '2019' },
  { bit: 10, key: 'oilCircuitCut', zh: '车辆油路断开', en: 'Fuel line cut' },
  { bit: 11, key: 'electricCircuitCut', zh: '车辆电路断开', en: 'Electric circuit cut' },
  { bit: 12, key: 'doorLocked', zh: '车门加锁', en: 'Doors locked' },
  { bit: 13, key: 'door1Open', zh: '门 1 开（前门）', en: 'Door 1 open (front)' },
  { bit: 14, key: 'door2Open', zh: '门 2 开（中门）', en: 'Door 2 open (middle)' },
  { bit: 15, key: 'door3Open', zh: '门 3 开（后门）', en: 'Door 3 open (rear)' },
  { bit: 16, key: 'door4Open', zh: '门 4 开（驾驶席门）', en: "Door 4 open (driver's)" },
  { bit: 17, key: 'door5Open', zh: '门 5 开（自定义）', en: 'Door 5 open (custom)' },
  { bit: 18, key: 'gps', zh: '使用 GPS 卫星进行定位', en: 'GPS used for the fix' },
  { bit: 19, key: 'beidou', zh: '使用北斗卫星进行定位', en: 'BeiDou used for the fix' },
  { bit: 20, key: 'glonass', zh: '使用 GLONASS 卫星进行定位', en: 'GLONASS used for the fix' },
  { bit: 21, key: 'galileo', zh: '使用 Galileo 卫星进行定位', en: 'Galileo used for the fix' },
  { bit: 22, key: 'driving', zh: '车辆处于行驶状态', en: 'Vehicle moving (0 = stopped)', since: '2019' },
] as const satisfies readonly Jt808BitDefinition<string>[];

export type Jt808StatusKey = (typeof JT808_STATUS_BITS)[number]['key'];
export type Jt808LoadState = 'empty' | 'half' | 'reserved' | 'full';
export const JT808_LOAD_STATES: readonly Jt808LoadState[] = ['empty', 'half', 'reserved', 'full'];
export type Jt808StatusFlags = Record<Jt808StatusKey, boolean> & { load: Jt808LoadState };

// Additional item 0x25, extended vehicle signal status (JT/T 808-2013 table 31).
export const JT808_VEHICLE_SIGNAL_BITS = [
  { bit: 0, key: 'lowBeam', zh: '近光灯信号', en: 'Low beam' },
  { bit: 1, key: 'highBeam', zh: '远光灯信号', en: 'High beam' },
  { bit: 2, key: 'rightTurnSignal', zh: '右转向灯信号', en: 'Right turn signal' },
  { bit: 3, key: 'leftTurnSignal', zh: '左转向灯信号', en: 'Left turn signal' },
  { bit: 4, key: 'braking', zh: '制动信号', en: 'Brake' },
  { bit: 5, key: 'reverse', zh: '倒档信号', en: 'Reverse gear' },
  { bit: 6, key: 'fogLamp', zh: '雾灯信号', en: 'Fog lamp' },
  { bit: 7, key: 'clearanceLamp', zh: '示廓灯', en: 'Clearance lamps' },
  { bit: 8, key: 'horn', zh: '喇叭信号', en: 'Horn' },
  { bit: 9, key: 'airConditioner', zh: '空调状态', en: 'Air conditioner on' },
  { bit: 10, key: 'neutral', zh: '空挡信号', en: 'Neutral gear' },
  { bit: 11, key: 'retarder', zh: '缓速器工作', en: 'Retarder working' },
  { bit: 12, key: 'abs', zh: 'ABS 工作', en: 'ABS working' },
  { bit: 13, key: 'heater', zh: '加热器工作', en: 'Heater working' },
  { bit: 14, key: 'clutch', zh: '离合器状态', en: 'Clutch engaged' },
] as const satisfies readonly Jt808BitDefinition<string>[];
export type Jt808VehicleSignalKey = (typeof JT808_VEHICLE_SIGNAL_BITS)[number]['key'];

// Additional item 0x2A, IO status (JT/T 808-2013 table 32).
export const JT808_IO_BITS = [
  { bit: 0, key: 'deepSleep', zh: '深度休眠状态', en: 'Deep sleep' },
  { bit: 1, key: 'sleep', zh: '休眠状态', en: 'Sleep' },
] as const satisfies readonly Jt808BitDefinition<string>[];
export type Jt808IoKey = (typeof JT808_IO_BITS)[number]['key'];

// Names of the set bits of a word, in bit order.
export function bitKeys<K extends string>(table: readonly Jt808BitDefinition<K>[], word: number): K[] {
  return table.filter((d) => ((word >>> d.bit) & 1) === 1).map((d) => d.key);
}

// The word with the given named bits set (for the simulator and tests).
export function bitWord<K extends string>(table: readonly Jt808BitDefinition<K>[], keys: readonly K[]): number {
  let word = 0;
  for (const d of table) if (keys.includes(d.key)) word |= 1 << d.bit;
  return word >>> 0;
}

// Terminals repeat the same few alarm and status words in every report: the decoded forms are built once per
// word and shared (frozen), up to WORD_CACHE_MAX distinct words each.
const WORD_CACHE_MAX = 4096;
const alarmKeysCache = new Map<number, Jt808AlarmKey[]>();
export function alarmKeys(word: number): Jt808AlarmKey[] {
  let keys = alarmKeysCache.get(word);
  if (keys === undefined) {
    keys = Object.freeze(bitKeys(JT808_ALARM_BITS, word)) as Jt808AlarmKey[];
    if (alarmKeysCache.size < WORD_CACHE_MAX) alarmKeysCache.set(word, keys);
  }
  return keys;
}
export const alarmWord = (keys: readonly Jt808AlarmKey[]): number => bitWord(JT808_ALARM_BITS, keys);

const statusFlagsCache = new Map<number, Jt808StatusFlags>();
export function statusFlags(word: number): Jt808StatusFlags {
  let flags = statusFlagsCache.get(word);
  if (flags === undefined) {
    flags = { load: JT808_LOAD_STATES[(word >>> 8) & 3] } as Jt808StatusFlags;
    for (const d of JT808_STATUS_BITS) flags[d.key] = ((word >>> d.bit) & 1) === 1;
    Object.freeze(flags);
    if (statusFlagsCache.size < WORD_CACHE_MAX) statusFlagsCache.set(word, flags);
  }
  return flags;
}

export function statusWord(flags: Partial<Jt808StatusFlags>): number {
  let word = 0;
  for (const d of JT808_STATUS_BITS) if (flags[d.key]) word |= 1 << d.bit;
  if (flags.load) word |= JT808_LOAD_STATES.indexOf(flags.load) << 8;
  return word >>> 0;
}
