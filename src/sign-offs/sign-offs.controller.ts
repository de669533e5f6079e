import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SignOffResponse, SignOffVerificationResponse } from './sign-offs.response.js';
import { SignOffsService } from './sign-offs.service.js';

@ApiTags('sign-offs')
@ApiBearerAuth()
@Controller('articles/:id/sign-offs')
export class SignOffsController {
  constructor(private readonly signOffs: SignOffsService) {}

  @Get()
  @ApiOperation({ summary: "An article's sign-offs, newest first, each with its byline (roles: any)" })
  @ApiOkResponse({ type: [SignOffResponse] })
  list(@Param('id', ParseUUIDPipe) id: string) {
    return this.signOffs.list(id);
  }

  @Get(':signOffId/verify')
  @ApiOperation({
    summary: 'Recompute the hash of the signed revision and say whether it still matches (roles: any)',
  })
  @ApiOkResponse({ type: SignOffVerificationResponse })
  verify(@Param('id', ParseUUIDPipe) id: string, @Param('signOffId', ParseUUIDPipe) signOffId: string) {
    return this.signOffs.verify(id, signOffId);
  }
}
