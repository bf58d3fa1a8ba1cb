import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

@Injectable()
export class SettingsService {
  constructor(private readonly ds: DataSource) {}

  // Returns the stored value, creating it with `generate()` the first time. Safe when several processes
  // start at once: the first insert wins and every process reads the same value.
  async getOrCreate(key: string, generate: () => string): Promise<string> {
    await this.ds.query(`INSERT INTO system_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [
      key,
      generate(),
    ]);
    const rows: { value: string }[] = await this.ds.query(`SELECT value FROM system_settings WHERE key = $1`, [key]);
    return rows[0]!.value;
  }
}
