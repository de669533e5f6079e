import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsISO8601,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { ROLES, type Role } from './user.entity.js';

export class CreateUserDto {
  @ApiProperty({ example: 'writer@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Wendy Writer' })
  @IsString()
  @Length(1, 120)
  name!: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  @IsArray()
  @ArrayMinSize(1, { message: 'Choose at least one role' })
  @ArrayMaxSize(5)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];
}

export class ChangeRolesDto {
  @ApiProperty({ enum: ROLES, isArray: true, example: ['writer', 'editor'] })
  @IsArray()
  @ArrayMinSize(1, { message: 'Choose at least one role' })
  @ArrayMaxSize(5)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];
}

export class ReviewerProfileDto {
  @ApiProperty({ example: 'Alan Lucks' })
  @IsString()
  @Length(1, 120)
  displayName!: string;

  @ApiProperty({ example: 'MD' })
  @IsString()
  @Length(1, 60)
  credentials!: string;

  @ApiProperty({ example: 'Alan Lucks MDPC Private Practice - New York' })
  @IsString()
  @Length(1, 200)
  affiliation!: string;

  @ApiProperty({ type: [String], example: ['neurology'] })
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(/^[a-z0-9-]{1,64}$/, { each: true, message: 'each specialty must be lower-case a-z, 0-9 or -' })
  specialties!: string[];

  @ApiProperty({ example: 'NY-123456' })
  @IsString()
  @Length(1, 60)
  licenseNumber!: string;

  @ApiProperty({ example: 'US-NY' })
  @IsString()
  @Length(1, 60)
  licenseRegion!: string;

  @ApiProperty({ example: '2027-06-30', format: 'date' })
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'licenseExpiresOn must be a date as YYYY-MM-DD' })
  licenseExpiresOn!: string;
}

export class InvitationView {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({
    format: 'date-time',
    description: 'The new link works until then; the earlier one no longer works',
  })
  expiresAt!: Date;
}
