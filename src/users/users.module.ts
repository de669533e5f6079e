import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountEmails } from './account-emails.js';
import { AccountToken } from './account-token.entity.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { CredentialsService } from './credentials.service.js';
import { whenWorker } from '../core/queues/worker-role.js';
import { LicenceExpiryNoticesJob } from './licence-expiry-notices.job.js';
import { LicenceExpiryNotices } from './licence-expiry-notices.service.js';
import { PasswordService } from './password.service.js';
import { ReviewerProfile } from './reviewer-profile.entity.js';
import { User } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User, ReviewerProfile, AccountToken])],
  controllers: [UsersController],
  providers: [
    UsersRepository,
    UsersService,
    PasswordService,
    AccountTokensRepository,
    AccountEmails,
    CredentialsService,
    LicenceExpiryNotices,
    ...whenWorker(LicenceExpiryNoticesJob),
  ],
  exports: [UsersRepository, UsersService, PasswordService, CredentialsService, LicenceExpiryNotices],
})
export class UsersModule implements OnApplicationBootstrap {
  constructor(private readonly users: UsersService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.users.ensureBootstrapAdmin();
  }
}
