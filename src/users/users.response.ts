import { ApiProperty } from '@nestjs/swagger';
import { ROLES } from './user.entity.js';

/** A physician's public identity and licence, as stored. */
export class ReviewerProfileResponse {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ example: 'Alan Lucks' }) displayName!: string;
  @ApiProperty({ example: 'MD' }) credentials!: string;
  @ApiProperty({ example: 'Alan Lucks MDPC Private Practice - New York' }) affiliation!: string;
  @ApiProperty({ type: [String], example: ['neurology'] }) specialties!: string[];
  @ApiProperty({ example: 'NY-123456' }) licenseNumber!: string;
  @ApiProperty({ example: 'US-NY' }) licenseRegion!: string;
  @ApiProperty({ format: 'date', example: '2027-06-30' }) licenseExpiresOn!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

/** A user without their password hash. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'writer@example.com' }) email!: string;
  @ApiProperty({ example: 'Wendy Writer' }) name!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: string[];
  @ApiProperty() active!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt!: Date;
}

/** A user as the admin's list shows them, with the reviewer profile when they have one. */
export class UserWithProfileResponse extends UserResponse {
  @ApiProperty({ type: ReviewerProfileResponse, nullable: true })
  reviewerProfile!: ReviewerProfileResponse | null;
}
