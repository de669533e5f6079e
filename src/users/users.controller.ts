import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { ChangeRolesDto, CreateUserDto, InvitationView, ReviewerProfileDto } from './users.dto.js';
import { ReviewerProfileResponse, UserResponse, UserWithProfileResponse } from './users.response.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({
    summary:
      'Create a user without a password and e-mail them an invitation to choose one (roles: admin); a password field is refused',
  })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiConflictResponse({ description: 'A user with this email exists' })
  create(@CurrentUser() actor: AuthUser, @Body() dto: CreateUserDto) {
    return this.users.create(actor, dto);
  }

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'List users with their reviewer profiles (roles: admin)' })
  @ApiOkResponse({ type: [UserWithProfileResponse] })
  list() {
    return this.users.list();
  }

  @Post(':id/invitations')
  @Roles('admin')
  @ApiOperation({
    summary:
      'E-mail a new invitation to a person who has not chosen a password yet; the old link stops working (roles: admin)',
  })
  @ApiCreatedResponse({ type: InvitationView })
  @ApiConflictResponse({ description: 'The person has already chosen a password, or is deactivated' })
  invite(@CurrentUser() actor: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.users.resendInvitation(actor, id);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Deactivate a user: they can no longer log in or act (roles: admin)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiConflictResponse({ description: 'An admin cannot deactivate their own account' })
  deactivate(@CurrentUser() actor: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.users.deactivate(actor, id);
  }

  @Put(':id/roles')
  @Roles('admin')
  @ApiOperation({
    summary:
      "Replace a user's roles; every token and browser session they hold ends, so the new roles apply at once (roles: admin)",
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiConflictResponse({
    description: 'The account is deactivated, or an admin removes their own admin role',
  })
  changeRoles(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ChangeRolesDto,
  ) {
    return this.users.changeRoles(actor, id, dto);
  }

  @Put(':id/reviewer-profile')
  @Roles('admin')
  @ApiOperation({ summary: "Create or replace a physician's reviewer profile and licence (roles: admin)" })
  @ApiOkResponse({ type: ReviewerProfileResponse })
  @ApiConflictResponse({ description: 'The user does not have the reviewer role' })
  putReviewerProfile(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ReviewerProfileDto,
  ) {
    return this.users.putReviewerProfile(actor, id, dto);
  }
}
