import { Injectable } from '@nestjs/common';
import type { CanonicalEventOf } from '@hub/canonical';
import { HandlerContext, OnEvent } from '@hub/resilience';
import { OrderIntakeService } from './order-intake.service';

/** An order a rep activated in Salesforce, into Odoo: confirmed, or an exception in the work queue. */
@Injectable()
export class OrderSubmissionsHandler {
  constructor(private readonly intake: OrderIntakeService) {}

  @OnEvent('order-submission.submitted')
  async submitted(event: CanonicalEventOf<'order-submission.submitted'>, ctx: HandlerContext): Promise<void> {
    const { envelope, orderSubmission } = event.value;
    if (!orderSubmission) return;
    await this.intake.submit(orderSubmission, ctx.parkedAt, envelope);
  }
}
