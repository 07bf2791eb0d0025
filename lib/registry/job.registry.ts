import { Injectable } from '@nestjs/common';
import { DuplicateJobNameError, UnknownJobClassError } from '../errors';
import type { JobDefinition } from './job-definition';

/** Wire names and classes of every @Job provider, filled by the explorer at module init. */
@Injectable()
export class JobRegistry {
  private readonly byName = new Map<string, JobDefinition>();
  private readonly byClass = new Map<Function, JobDefinition>();

  add(definition: JobDefinition): void {
    const existing = this.byName.get(definition.name);
    if (existing && existing.target !== definition.target) {
      throw new DuplicateJobNameError(definition.name, existing.target.name, definition.target.name);
    }
    if (existing) return;
    this.byName.set(definition.name, definition);
    this.byClass.set(definition.target, definition);
  }

  byJobName(name: string): JobDefinition | undefined {
    return this.byName.get(name);
  }

  forClass(target: Function): JobDefinition {
    const definition = this.byClass.get(target);
    if (!definition) throw new UnknownJobClassError(target.name || String(target));
    return definition;
  }

  has(target: Function): boolean {
    return this.byClass.has(target);
  }

  all(): JobDefinition[] {
    return [...this.byName.values()];
  }
}
