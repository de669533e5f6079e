import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../users/password-policy.js';

export class LoginDto {
  @ApiProperty({ example: 'admin@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class AccessTokenView {
  @ApiProperty({ description: 'Send as Authorization: Bearer <accessToken>' })
  accessToken!: string;

  @ApiProperty({ description: 'Seconds until the token expires (JWT_TTL, at most one hour)' })
  expiresIn!: number;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';
}

/** The link's token, exactly as it appears after `?token=` (43 characters). */
const TOKEN = { minLength: 43, maxLength: 43, example: 'q3JbX0d9kLm2Pz7vT4wY8sN1rA6eH5cU0iG3oK9fB2x' };

export class AcceptInvitationDto {
  @ApiProperty(TOKEN)
  @IsString()
  @MaxLength(100)
  token!: string;

  @ApiProperty({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description:
      'At least 12 characters, no composition rules; not a common password, not containing your e-mail',
  })
  @IsString()
  @MaxLength(1000)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword!: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MaxLength(1000)
  newPassword!: string;
}

export class PasswordResetRequestDto {
  @ApiProperty({ example: 'alan.lucks@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;
}

export class PasswordResetConfirmDto {
  @ApiProperty(TOKEN)
  @IsString()
  @Length(1, 100)
  token!: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MaxLength(1000)
  newPassword!: string;
}

export class PasswordResetRequestedView {
  @ApiProperty({
    example: 'If an account exists for that address, a reset link is on its way',
    description: 'The same answer for every address, known or not',
  })
  message!: string;
}
