import { Module } from '@nestjs/common';
import { ArticlesModule } from './articles/articles.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ClockModule } from './core/clock/clock.js';
import { ConfigModule } from './core/config/config.module.js';
import { DatabaseModule } from './core/database/database.module.js';
import { AdminDeskModule } from './desk/admin/admin-desk.module.js';
import { DeskModule } from './desk/desk.module.js';
import { DomainEventsModule } from './core/events/domain-events.js';
import { QueuesModule } from './core/queues/queues.module.js';
import { RedisModule } from './core/redis/redis.module.js';
import { HealthModule } from './health/health.module.js';
import { ImportsModule } from './imports/imports.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { PublishingModule } from './publishing/publishing.module.js';
import { ReviewsModule } from './reviews/reviews.module.js';
import { SchedulingModule } from './scheduling/scheduling.module.js';
import { SignOffsModule } from './sign-offs/sign-offs.module.js';
import { UsersModule } from './users/users.module.js';

@Module({
  imports: [
    ConfigModule,
    ClockModule,
    DatabaseModule,
    DomainEventsModule,
    RedisModule,
    QueuesModule,
    AuditModule,
    UsersModule,
    AuthModule,
    HealthModule,
    NotificationsModule,
    ArticlesModule,
    ReviewsModule,
    SignOffsModule,
    SchedulingModule,
    PublishingModule,
    ImportsModule,
    DeskModule,
    AdminDeskModule,
  ],
})
export class AppModule {}
