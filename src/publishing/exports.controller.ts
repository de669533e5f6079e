import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { ApiError } from '../core/http/api-error.js';
import { ExportJobResponse, ExportRequestDto } from './publishing.dto.js';
import { PublishingQueue } from './publishing.queue.js';

@ApiTags('publishing')
@ApiBearerAuth()
@Controller('publishing/exports')
export class ExportsController {
  constructor(private readonly queue: PublishingQueue) {}

  @Post()
  @HttpCode(202)
  @Roles('admin', 'publisher')
  @ApiOperation({
    summary:
      'Re-export every live page to PUBLISH_DIR (with sitemap.xml) in a worker; poll the returned job (roles: admin, publisher)',
  })
  @ApiAcceptedResponse({ type: ExportJobResponse })
  async start(@CurrentUser() actor: AuthUser, @Body() dto: ExportRequestDto): Promise<ExportJobResponse> {
    const jobId = await this.queue.exportAll(dto.mode ?? 'full', dto.force ?? false, 'admin', actor.id);
    return { jobId, state: 'waiting' };
  }

  @Get(':jobId')
  @Roles('admin', 'publisher')
  @ApiOperation({ summary: 'Progress and summary of an export (roles: admin, publisher)' })
  @ApiOkResponse({ type: ExportJobResponse })
  async status(@Param('jobId') jobId: string): Promise<ExportJobResponse> {
    const job = await this.queue.findExport(jobId);
    if (!job) throw ApiError.notFound('Export');
    const state = await job.getState();
    return {
      jobId,
      state,
      progress: job.progress,
      summary: job.returnvalue ?? undefined,
      failedReason: job.failedReason || undefined,
    };
  }
}
