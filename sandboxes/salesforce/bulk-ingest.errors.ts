/**
 * Bulk API 2.0 errors. A request refused answers like every REST resource (`[{"errorCode","message"}]`, which
 * jsforce's bulk2 client raises as `errorCode`); a job that fails as a whole keeps `errorMessage` as
 * `<Code> : <message>`, the codes being those of the Bulk API's error list (ClientInputError, ExceededQuota,
 * InvalidBatch, InvalidJob, InvalidJobState, …).
 *
 * Where the wording is one seen from Salesforce it says so; the rest is the sandbox's own, in the same style.
 */
import { ApiFailure } from './salesforce.errors';

export const BulkErrors = {
  /** Bulk API 1.0's wording for an object the org does not have (`InvalidJob : Unable to find object: X`). */
  unknownObject: (name: string) => ApiFailure.of(400, 'INVALIDJOB', `Unable to find object: ${name}`),
  /** Bulk API 1.0's wording for an upsert job without its external id field. */
  externalIdRequired: (object: string) =>
    ApiFailure.of(
      400,
      'INVALIDJOB',
      `External ID was blank for ${object}. An External ID must be specified for upsert.`,
    ),
  /** The platform's wording for an upsert key that is not an external id (seen from REST, SOAP and Bulk). */
  notAnExternalId: (field: string, object: string) =>
    ApiFailure.of(
      400,
      'INVALIDJOB',
      `Field name provided, ${field} does not match an External ID, Salesforce Id, or indexed field for ${object}`,
    ),
  /** The sandbox's user lacks "Bulk API Hard Delete" (sandbox wording). */
  hardDeleteNotPermitted: () =>
    ApiFailure.of(
      400,
      'INVALIDJOB',
      'hardDelete operation requires special user profile permission, please contact your system administrator',
    ),
  /** A required property of a job request left out (sandbox wording). */
  missingProperty: (property: string) => ApiFailure.of(400, 'INVALIDJOB', `The '${property}' property is required`),
  /** An enumeration value or property the request deserialiser does not know (sandbox wording, Jackson's style). */
  invalidValue: (type: string, value: unknown) =>
    ApiFailure.of(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize value of type ${type} from String ${JSON.stringify(value)}: value not one of declared Enum instance names`,
    ),
  unrecognizedField: (name: string) =>
    ApiFailure.of(400, 'JSON_PARSER_ERROR', `Unrecognized field "${name}" (not marked as ignorable)`),
  /** A second upload to the same job, as Salesforce answers it (reported from live orgs). */
  multipleUploads: (jobId: string) =>
    ApiFailure.of(
      400,
      'INVALIDJOB',
      `Found multiple contents for job: <${jobId}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure the content is not duplicated`,
    ),
  /** Upload to a job that is no longer Open (sandbox wording). */
  notOpenForUpload: (jobId: string, state: string) =>
    ApiFailure.of(400, 'INVALIDJOBSTATE', `Job ${jobId} is ${state}: job data can only be uploaded while it is Open`),
  /** Job data must be sent as CSV (sandbox wording). */
  notCsv: (contentType: string) =>
    ApiFailure.of(400, 'INVALIDCONTENTTYPE', `Content-Type ${contentType || '(none)'} is not supported: use text/csv`),
  /** More than 150 MB once base64-encoded, as the upload documentation states the limit (sandbox wording). */
  uploadTooLarge: (maxBase64Bytes: number) =>
    ApiFailure.of(
      400,
      'INVALIDBATCH',
      `Job data exceeds the maximum size of ${maxBase64Bytes} bytes of base64-encoded content`,
    ),
  /** A state change the job's state does not allow (sandbox wording). */
  invalidTransition: (jobId: string, from: string, to: string) =>
    ApiFailure.of(400, 'INVALIDJOBSTATE', `Job ${jobId} cannot change from state ${from} to ${to}`),
  /** Only jobs in UploadComplete, JobComplete, Aborted or Failed can be deleted (sandbox wording of that rule). */
  notDeletable: (jobId: string, state: string) =>
    ApiFailure.of(
      400,
      'INVALIDJOBSTATE',
      `Job ${jobId} is ${state}: only a job in UploadComplete, JobComplete, Aborted or Failed can be deleted`,
    ),
};

/** A job's `errorMessage` when it fails as a whole. */
export const JobFailures = {
  /** Seen from Salesforce (a Bulk API 2.0 job's errorMessage) for a header naming no field of the object. */
  fieldNotFound: (column: string) => `InvalidBatch : Field name not found : ${column}`,
  /** The same column twice in the header (sandbox wording). */
  duplicateColumn: (column: string) => `InvalidBatch : Duplicate field name : ${column}`,
  /** The daily batch allocation ran out while the job was processed (the documented outcome, sandbox wording). */
  batchAllocationExceeded: (max: number) =>
    `ExceededQuota : The daily allocation of ${max} Bulk API batches has been exceeded`,
};
