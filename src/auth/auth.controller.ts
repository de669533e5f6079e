import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from './auth-user.js';
import {
  AcceptInvitationDto,
  AccessTokenView,
  ChangePasswordDto,
  LoginDto,
  PasswordResetConfirmDto,
  PasswordResetRequestDto,
} from './auth.dto.js';
import { AuthService } from './auth.service.js';
import { CurrentUser, Public } from './decorators.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange email and password for a short-lived bearer token (rate-limited; no login needed)',
  })
  @ApiOkResponse({ type: AccessTokenView })
  login(@Body() dto: LoginDto, @Ip() address: string) {
    return this.auth.login(dto.email, dto.password, address);
  }

  @Post('invitations/accept')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: "Choose your password from the invitation's token and sign in (single use; no login needed)",
  })
  @ApiOkResponse({ type: AccessTokenView })
  acceptInvitation(@Body() dto: AcceptInvitationDto) {
    return this.auth.acceptInvitation(dto.token, dto.password);
  }

  @Post('password')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Change your own password (any signed-in user); every token and session you had ends, this one included',
  })
  @ApiNoContentResponse()
  async changePassword(@CurrentUser() actor: AuthUser, @Body() dto: ChangePasswordDto): Promise<void> {
    await this.auth.changePassword(actor, dto.currentPassword, dto.newPassword);
  }

  @Post('password-reset')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'E-mail a password reset link: 202 for any address, known or not, in the same time (no login needed)',
  })
  @ApiAcceptedResponse()
  async requestPasswordReset(@Body() dto: PasswordResetRequestDto, @Ip() address: string): Promise<void> {
    await this.auth.requestPasswordReset(dto.email, address);
  }

  @Post('password-reset/confirm')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary: "Choose a new password with the reset link's token (single use, one hour); every session ends",
  })
  @ApiNoContentResponse()
  async confirmPasswordReset(@Body() dto: PasswordResetConfirmDto): Promise<void> {
    await this.auth.confirmPasswordReset(dto.token, dto.newPassword);
  }
}
