import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Post,
  Put,
} from '@nestjs/common';
import { z } from 'zod';
import { CLOCK, SERVICE_POLICY, ZodParam, textParam, type Clock } from '@baton/platform';
import { PoolRotationStore } from '../database/pool-rotation.store.js';
import type { RepChange } from '../database/roster.entity.js';
import { RosterStore, type RepView } from '../database/roster.store.js';
import type { RoutingPolicy } from '../policy/policy.js';
import { isAway } from './rep.js';
import { isWithinWorkingHours } from './working-hours.js';

/** A rep id in a path: printable, bounded (an unknown one is a 404). */
const RepIdParam = new ZodParam(textParam(100), 'repId');

const RepPatchSchema = z
  .object({
    active: z.boolean().optional(),
    weight: z.number().int().min(1).max(1000).optional(),
    changedBy: z.string().min(1).optional(),
  })
  .strict()
  .refine(
    (p) => p.active !== undefined || p.weight !== undefined,
    'nothing to change: send active and/or weight',
  );

const AvailabilitySchema = z
  .object({
    awayFrom: z.iso.datetime({ offset: true }).optional().describe('Defaults to now'),
    awayUntil: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .describe('null or absent: until further notice'),
    note: z.string().max(200).optional(),
    changedBy: z.string().min(1).optional(),
  })
  .strict()
  .refine((a) => !a.awayFrom || !a.awayUntil || Date.parse(a.awayUntil) > Date.parse(a.awayFrom), {
    message: 'awayUntil must be after awayFrom',
    path: ['awayUntil'],
  });

const BackSchema = z.object({ changedBy: z.string().min(1).optional() }).strict();

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success)
    throw new BadRequestException({
      message: 'invalid body',
      issues: r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
    });
  return r.data;
}

/**
 * Day-to-day roster changes by sales ops: out of office (and back early), active flag and
 * weight. They land in the roster table and the very next routing decision sees them.
 */
@Controller('roster')
export class RosterController {
  constructor(
    private readonly roster: RosterStore,
    private readonly rotation: PoolRotationStore,
    @Inject(SERVICE_POLICY) private readonly policy: RoutingPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('reps')
  async reps() {
    const now = this.clock.now();
    const reps = await this.roster.reps();
    return { policyVersion: this.policy.version, reps: [...reps.values()].map((r) => this.present(r, now)) };
  }

  @Get('reps/:repId')
  async rep(@Param('repId', RepIdParam) repId: string) {
    const rep = await this.roster.rep(repId);
    if (!rep) throw new NotFoundException(`no rep ${repId}`);
    return {
      ...this.present(rep, this.clock.now()),
      changes: await this.roster.changes(repId),
    };
  }

  @Patch('reps/:repId')
  async patch(@Param('repId', RepIdParam) repId: string, @Body() body: unknown) {
    const p = parse(RepPatchSchema, body);
    return this.apply(repId, { active: p.active, weight: p.weight }, p.changedBy);
  }

  /** Out of office from/to; takes effect at once. */
  @Put('reps/:repId/availability')
  async away(@Param('repId', RepIdParam) repId: string, @Body() body: unknown) {
    const a = parse(AvailabilitySchema, body);
    const now = this.clock.now();
    return this.apply(
      repId,
      {
        awayFrom: a.awayFrom ? new Date(a.awayFrom) : now,
        awayUntil: a.awayUntil ? new Date(a.awayUntil) : null,
        awayNote: a.note ?? null,
      },
      a.changedBy,
    );
  }

  /** Back early: the absence ends now. */
  @Post('reps/:repId/back')
  @HttpCode(200)
  async back(@Param('repId', RepIdParam) repId: string, @Body() body: unknown) {
    const b = parse(BackSchema, body);
    return this.apply(repId, { awayFrom: null, awayUntil: null, awayNote: null }, b.changedBy);
  }

  @Get('pools')
  async pools() {
    const state = new Map((await this.rotation.all()).map((r) => [r.poolId, r]));
    return [...this.policy.pools.values()].map((p) => ({
      ...p,
      rotation: {
        credits: state.get(p.id)?.credits ?? {},
        rounds: Number(state.get(p.id)?.decisions ?? 0),
        updatedAt: state.get(p.id)?.updatedAt,
      },
    }));
  }

  private async apply(repId: string, change: RepChange, changedBy = 'admin-api') {
    const now = this.clock.now();
    const rep = await this.roster.change(repId, change, changedBy, now);
    if (!rep) throw new NotFoundException(`no rep ${repId}`);
    return this.present(rep, now);
  }

  private present(rep: RepView, now: Date) {
    return {
      ...rep,
      awayFrom: rep.awayFrom?.toISOString(),
      awayUntil: rep.awayUntil?.toISOString(),
      now: {
        away: isAway(rep, now),
        inWorkingHours: isWithinWorkingHours(rep.workingHours, rep.timeZone, now),
      },
    };
  }
}
