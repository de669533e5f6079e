import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArticlesModule } from '../articles/articles.module.js';
import { SignOffsModule } from '../sign-offs/sign-offs.module.js';
import { Assignment } from './assignment.entity.js';
import { AssignmentsRepository } from './assignments.repository.js';
import { AssignmentResponses } from './assignment-responses.service.js';
import { AssignmentsService } from './assignments.service.js';
import { DecisionsRepository } from './decisions.repository.js';
import { DecisionsService } from './decisions.service.js';
import { ReviewDecision } from './review-decision.entity.js';
import { ReviewEmails } from './review-emails.js';
import { ReviewerPicker } from './reviewer-picker.js';
import { ReviewsController } from './reviews.controller.js';

@Module({
  imports: [TypeOrmModule.forFeature([Assignment, ReviewDecision]), ArticlesModule, SignOffsModule],
  controllers: [ReviewsController],
  providers: [
    AssignmentsRepository,
    AssignmentsService,
    AssignmentResponses,
    DecisionsRepository,
    DecisionsService,
    ReviewEmails,
    ReviewerPicker,
  ],
  exports: [
    AssignmentsRepository,
    DecisionsRepository,
    AssignmentsService,
    AssignmentResponses,
    DecisionsService,
  ],
})
export class ReviewsModule {}
