import { Injectable } from '@nestjs/common';
import type { CanonicalEventOf } from '@hub/canonical';
import { OnEvent } from '@hub/resilience';
import { ReturnRequestsService } from '../returns/return-requests.service';
import { CaseNotesService } from './case-notes.service';
import { ServiceLoadService } from './service-load.service';

/**
 * A ticket opened or changed on a desk (ingress's service cases): answered with its ERP context once, and, tagged as
 * a return request, turned into a return in Odoo once; its customer's service load (open tickets) counted again.
 */
@Injectable()
export class ServiceCasesHandler {
  constructor(
    private readonly notes: CaseNotesService,
    private readonly returns: ReturnRequestsService,
    private readonly load: ServiceLoadService,
  ) {}

  @OnEvent('service-case.upserted')
  async changed(event: CanonicalEventOf<'service-case.upserted'>): Promise<void> {
    const { envelope, serviceCase } = event.value;
    if (!serviceCase) return;
    await this.notes.caseChanged(serviceCase);
    await this.returns.caseChanged(serviceCase);
    await this.load.caseChanged(serviceCase, envelope.sourcePosition);
  }
}
