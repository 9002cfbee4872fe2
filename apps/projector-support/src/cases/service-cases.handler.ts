import { Injectable } from '@nestjs/common';
import type { CanonicalEventOf } from '@hub/canonical';
import { OnEvent } from '@hub/resilience';
import { CaseNotesService } from './case-notes.service';

/** A ticket opened or changed on a desk (ingress's service cases): answered with its ERP context once. */
@Injectable()
export class ServiceCasesHandler {
  constructor(private readonly notes: CaseNotesService) {}

  @OnEvent('service-case.upserted')
  async changed(event: CanonicalEventOf<'service-case.upserted'>): Promise<void> {
    const { serviceCase } = event.value;
    if (serviceCase) await this.notes.caseChanged(serviceCase);
  }
}
