import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { HubSpotLoggedActivityRow } from './logged-activity.entity.js';

/** A logged engagement of a contact, by its key (`hubspot:<type>:<id>`). */
export interface LoggedEngagement {
  objectId: string;
  engagement: string;
}

const keyOf = (r: LoggedEngagement) => `${r.objectId}/${r.engagement}`;

/** The logged calls, e-mails and meetings already emitted per contact (hubspot_logged_activity). */
@Injectable()
export class LoggedActivityStore {
  /** `objectId/engagement` of everything already emitted for these contacts. */
  async emittedFor(em: EntityManager, objectIds: string[]): Promise<Set<string>> {
    if (objectIds.length === 0) return new Set();
    const rows = await em.getRepository(HubSpotLoggedActivityRow).find({
      select: { objectId: true, engagement: true },
      where: { objectId: In(objectIds) },
    });
    return new Set(rows.map(keyOf));
  }

  /**
   * Claims engagements before they are emitted, in the caller's transaction; returns the keys
   * (`objectId/engagement`) this round claimed: one another round stored already is not emitted again.
   */
  async claim(em: EntityManager, engagements: LoggedEngagement[]): Promise<Set<string>> {
    if (engagements.length === 0) return new Set();
    const rows: { object_id: string; engagement: string }[] = await em.query(
      `INSERT INTO hubspot_logged_activity (object_id, engagement)
         SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
         RETURNING object_id, engagement`,
      [engagements.map((e) => e.objectId), engagements.map((e) => e.engagement)],
    );
    return new Set(rows.map((r) => keyOf({ objectId: r.object_id, engagement: r.engagement })));
  }
}
