// How often the syncer polls EC2 in full. With AWS change events on (awsEventsQueueUrl), a change
// arrives as an event within seconds and the poll is only the backstop for a lost event, so the
// default interval stretches to EVENTS_RESYNC_INTERVAL; any other interval an operator set is kept.
import { SETTING_DEFS, type Settings } from './settings.js';

/** Seconds between full polls when events are on and the interval was left at its default. */
export const EVENTS_RESYNC_INTERVAL = 300;

/** Seconds between full sync rounds. */
export function effectiveResyncInterval(settings: Pick<Settings, 'resyncInterval' | 'awsEventsQueueUrl'>): number {
  const isDefault = settings.resyncInterval === SETTING_DEFS.resyncInterval.default;
  return settings.awsEventsQueueUrl !== '' && isDefault ? EVENTS_RESYNC_INTERVAL : settings.resyncInterval;
}
