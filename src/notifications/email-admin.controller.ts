import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { EmailView, ListEmailsQuery } from './email-admin.dto.js';
import { EmailAdminService } from './email-admin.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/emails')
export class EmailAdminController {
  constructor(private readonly emails: EmailAdminService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({
    summary:
      'List outbox emails, newest first, with their last error; by default the failed, unknown and pending ones (roles: admin)',
  })
  @ApiOkResponse({ type: [EmailView] })
  list(@Query() query: ListEmailsQuery) {
    return this.emails.list(query.status, query.limit ?? 50);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Send a failed or unknown email again (roles: admin; audited as email.retried)' })
  @ApiOkResponse({ type: EmailView })
  @ApiConflictResponse({ description: 'The email is not failed or unknown' })
  retry(@CurrentUser() actor: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.emails.retry(actor, id);
  }

  @Post(':id/mark-sent')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Record that an email whose delivery is unknown did arrive, after checking the mail server (roles: admin; audited as email.marked_sent)',
  })
  @ApiOkResponse({ type: EmailView })
  @ApiConflictResponse({ description: 'The email is not unknown' })
  markSent(@CurrentUser() actor: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.emails.markSent(actor, id);
  }
}
