import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ENV, type Env } from './env.js';

// The parsed environment as one injectable value: `@Inject(ENV) env: Env`.
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env: Env): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: ENV, useValue: env }], exports: [ENV] };
  }
}
