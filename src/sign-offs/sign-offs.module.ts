import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SignOff } from './sign-off.entity.js';
import { SignOffsRepository } from './sign-offs.repository.js';

@Module({
  imports: [TypeOrmModule.forFeature([SignOff])],
  providers: [SignOffsRepository],
  exports: [SignOffsRepository],
})
export class SignOffsModule {}
