import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators.js';
import { ListAuditQuery } from './audit.dto.js';
import { AuditChainReportResponse, AuditEventResponse } from './audit.response.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('editor', 'admin')
  @ApiOperation({ summary: 'List audit events, newest first (roles: editor, admin)' })
  @ApiOkResponse({ type: [AuditEventResponse] })
  list(@Query() query: ListAuditQuery) {
    return this.audit.list({ ...query, afterId: query.cursor, limit: query.limit ?? 50 });
  }

  @Get('verify')
  @Roles('editor', 'admin')
  @ApiOperation({
    summary:
      'Recompute the sealed hash chain, check each signed checkpoint (HMAC under AUDIT_KEY) and the checkpoint files, and report the first thing that does not hold, with the unsealed backlog (roles: editor, admin)',
  })
  @ApiOkResponse({ type: AuditChainReportResponse })
  verify() {
    return this.audit.verifyChain();
  }
}
