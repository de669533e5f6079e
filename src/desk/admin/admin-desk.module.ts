import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { AppConfig } from '../../core/config/app-config.js';
import { QueueDashboard } from '../../notifications/queue-dashboard.js';
import { UsersModule } from '../../users/users.module.js';
import { sameOrigin } from '../csrf.js';
import { cookieNames, readCookie } from '../desk-cookies.js';
import { DeskSessionsService } from '../desk-sessions.service.js';
import { DeskModule } from '../desk.module.js';
import { AdminPagesController } from './admin-pages.controller.js';
import { AdminPagesService } from './admin-pages.service.js';
import { AdminViews } from './admin-views.js';
import { DeskRolesGuard } from './desk-roles.guard.js';

/**
 * The queue dashboard opened from the desk: a signed-in admin's browser session admits them (as a bearer token
 * would); any other session is refused, and so is a change (POST, PUT…) sent from another origin.
 */
@Injectable()
export class QueueDashboardSessions implements OnModuleInit {
  constructor(
    private readonly dashboard: QueueDashboard,
    private readonly sessions: DeskSessionsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const names = cookieNames(this.config);
    this.dashboard.admitBrowserSessions(async (request) => {
      const visit = await this.sessions.resolve(readCookie(request, names.session));
      if (!visit) return 'none';
      if (!visit.user.roles.includes('admin')) return 'forbidden';
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        const header = (name: string) => {
          const value = request.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        if (!sameOrigin(this.config.env.PUBLIC_BASE_URL, header('origin'), header('referer')))
          return 'forbidden';
      }
      return 'admin';
    });
  }
}

/** The admin's desk pages (issue 14): people, licences, the e-mail outbox, the queue dashboard, the audit chain. */
@Module({
  imports: [DeskModule, UsersModule, AuditModule],
  controllers: [AdminPagesController],
  providers: [AdminPagesService, AdminViews, DeskRolesGuard, QueueDashboardSessions],
})
export class AdminDeskModule {}
