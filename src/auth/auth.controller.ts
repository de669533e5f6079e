import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { Public } from './decorators.js';
import { LoginResponse } from './auth.response.js';
import { AuthService } from './auth.service.js';

export class LoginDto {
  @ApiProperty({ example: 'admin@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(200)
  password!: string;
}

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
  @ApiOkResponse({ type: LoginResponse })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password, or a deactivated user' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this address or for this email' })
  login(@Body() dto: LoginDto, @Ip() address: string) {
    return this.auth.login(dto.email, dto.password, address);
  }
}
