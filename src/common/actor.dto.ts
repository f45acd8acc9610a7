import { ApiProperty } from '@nestjs/swagger';

export const ACTOR_KINDS = ['user', 'partner', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/**
 * Who acted, by name: a person of the tenant (`user`), a partner company (`partner`: the
 * locksmith or manufacturer tenant, never its person), or the system (`system`: scheduled work,
 * or a machine client's API key). Every answer that says who did something uses this shape.
 */
export class ActorView {
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description:
      'The person, the partner company (its tenant id) or the API key; null for LockDesk itself',
  })
  id!: string | null;

  @ApiProperty({
    example: 'Ana Costa',
    description:
      'The person’s name (kept after they are removed), the partner company’s name, ' +
      '`API key "<name>"`, or `LockDesk`',
  })
  name!: string;

  @ApiProperty({ enum: ACTOR_KINDS })
  kind!: ActorKind;
}
