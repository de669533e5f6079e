import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArticlesModule } from '../articles/articles.module.js';
import { SignOff } from './sign-off.entity.js';
import { SignOffsController } from './sign-offs.controller.js';
import { SignOffsRepository } from './sign-offs.repository.js';
import { SignOffsService } from './sign-offs.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([SignOff]), ArticlesModule],
  controllers: [SignOffsController],
  providers: [SignOffsRepository, SignOffsService],
  exports: [SignOffsRepository, SignOffsService],
})
export class SignOffsModule {}
