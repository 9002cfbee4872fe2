import { Injectable } from '@nestjs/common';
import type { CanonicalEventOf } from '@hub/canonical';
import { OnEvent } from '@hub/resilience';
import { ReturnRequestsService } from '../returns/return-requests.service';
import { CaseNotesService } from './case-notes.service';

/**
 * A ticket opened or changed on a desk (ingress's service cases): answered with its ERP context once, and, tagged as
 * a return request, turned into a return in Odoo once.
 */
@Injectable()
export class ServiceCasesHandler {
  constructor(
    private readonly notes: CaseNotesService,
    private readonly returns: ReturnRequestsService,
  ) {}

  @OnEvent('service-case.upserted')
  async changed(event: CanonicalEventOf<'service-case.upserted'>): Promise<void> {
    const { serviceCase } = event.value;
    if (!serviceCase) return;
    await this.notes.caseChanged(serviceCase);
    await this.returns.caseChanged(serviceCase);
  }
}
