import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { SpecialtyPolicy } from './specialty-policy.entity.js';

/** Per-specialty re-review cadences, owned by the scheduling module. */
@Injectable()
export class SpecialtyPoliciesRepository {
  constructor(@InjectRepository(SpecialtyPolicy) private readonly policies: Repository<SpecialtyPolicy>) {}

  findBySpecialty(specialty: string, tx?: EntityManager): Promise<SpecialtyPolicy | null> {
    return (tx ? tx.getRepository(SpecialtyPolicy) : this.policies).findOne({ where: { specialty } });
  }

  /** Creates or replaces the specialty's cadence. */
  save(tx: EntityManager, policy: Pick<SpecialtyPolicy, 'specialty' | 'cadence' | 'updatedById'>) {
    const repo = tx.getRepository(SpecialtyPolicy);
    return repo.save(repo.create(policy));
  }

  async remove(tx: EntityManager, specialty: string): Promise<void> {
    await tx.getRepository(SpecialtyPolicy).delete({ specialty });
  }

  listAll(): Promise<SpecialtyPolicy[]> {
    return this.policies.find({ order: { specialty: 'ASC' } });
  }
}
