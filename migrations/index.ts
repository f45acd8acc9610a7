import { Foundation1763790000000 } from './1763790000000-Foundation.js';
import { Devices1763790100000 } from './1763790100000-Devices.js';
import { Diagnostics1763790200000 } from './1763790200000-Diagnostics.js';
import { Tickets1763790300000 } from './1763790300000-Tickets.js';
import { Escalation1763790400000 } from './1763790400000-Escalation.js';
import { WebhookDeliveryFairness1764000100000 } from './1764000100000-WebhookDeliveryFairness.js';
import { AuthThrottle1764000300000 } from './1764000300000-AuthThrottle.js';
import { PartnerLinkedAccess1764000400000 } from './1764000400000-PartnerLinkedAccess.js';
import { TicketAnswers1764000700000 } from './1764000700000-TicketAnswers.js';
import { FirmwareVersionKey1764000800000 } from './1764000800000-FirmwareVersionKey.js';
import { DueWorkFunctions1764001400000 } from './1764001400000-DueWorkFunctions.js';
import { ThrottleClockAfterLock1764001500000 } from './1764001500000-ThrottleClockAfterLock.js';
import { NoTenantDirectory1764001410000 } from './1764001410000-NoTenantDirectory.js';
import { TelemetryPartitions1764002500000 } from './1764002500000-TelemetryPartitions.js';
import { TenantLeadingKeys1764002510000 } from './1764002510000-TenantLeadingKeys.js';
import { DiagnosisStoredOnce1764002000000 } from './1764002000000-DiagnosisStoredOnce.js';
import { AuthChangeNotify1764002200000 } from './1764002200000-AuthChangeNotify.js';
import { EscalationDispatch1764002600000 } from './1764002600000-EscalationDispatch.js';
import { WorkOrderAndMessages1764002700000 } from './1764002700000-WorkOrderAndMessages.js';
import { ActorsAndRatings1764002800000 } from './1764002800000-ActorsAndRatings.js';
import { OutboxRetention1764003100000 } from './1764003100000-OutboxRetention.js';
import { TelemetryBatteryIndex1764003110000 } from './1764003110000-TelemetryBatteryIndex.js';
import { DeskReports1764003200000 } from './1764003200000-DeskReports.js';
import { PartnerScorecards1764003210000 } from './1764003210000-PartnerScorecards.js';
import { Reporting1764002900000 } from './1764002900000-Reporting.js';
import { Incidents1764003300000 } from './1764003300000-Incidents.js';

/** Every migration, in order. Listed explicitly so the same code runs under tsc, node and Jest. */
export const MIGRATIONS = [
  Foundation1763790000000,
  Devices1763790100000,
  Diagnostics1763790200000,
  Tickets1763790300000,
  Escalation1763790400000,
  WebhookDeliveryFairness1764000100000,
  AuthThrottle1764000300000,
  PartnerLinkedAccess1764000400000,
  TicketAnswers1764000700000,
  FirmwareVersionKey1764000800000,
  DueWorkFunctions1764001400000,
  NoTenantDirectory1764001410000,
  ThrottleClockAfterLock1764001500000,
  DiagnosisStoredOnce1764002000000,
  AuthChangeNotify1764002200000,
  TelemetryPartitions1764002500000,
  TenantLeadingKeys1764002510000,
  EscalationDispatch1764002600000,
  WorkOrderAndMessages1764002700000,
  ActorsAndRatings1764002800000,
  Reporting1764002900000,
  OutboxRetention1764003100000,
  TelemetryBatteryIndex1764003110000,
  DeskReports1764003200000,
  PartnerScorecards1764003210000,
  Incidents1764003300000,
];
