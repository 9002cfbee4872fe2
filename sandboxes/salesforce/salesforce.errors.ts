/**
 * Salesforce-shaped errors.
 *
 * Two shapes exist on the wire: a REST request that fails as a whole answers an array of
 * `{message, errorCode, fields?}`; a record inside an sObject Collections answer carries
 * `{statusCode, message, fields}`. Messages follow the platform's wording where it is documented
 * or seen in captured responses.
 */

/** One element of a REST error body (`[{"message","errorCode","fields"}]`). */
export interface ApiError {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** One error of a per-record result (SaveResult / UpsertResult `errors[]`). */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** Thrown by handlers; the HTTP layer answers `status` with `errors` as the JSON body. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
  ) {
    super(errors[0]?.message ?? `HTTP ${status}`);
    this.name = 'ApiFailure';
  }

  static of(status: number, errorCode: string, message: string, fields?: string[]): ApiFailure {
    return new ApiFailure(status, [fields ? { message, errorCode, fields } : { message, errorCode }]);
  }

  /** A record-level failure answered on a single-record endpoint: 400 with the errors as an array. */
  static fromSaveErrors(errors: SaveError[], status = 400): ApiFailure {
    return new ApiFailure(status, errors.map(toApiError));
  }
}

export function toApiError(error: SaveError): ApiError {
  return { message: error.message, errorCode: error.statusCode, fields: error.fields };
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';

export const ApiErrors = {
  invalidSession: () => ApiFailure.of(401, 'INVALID_SESSION_ID', 'Session expired or invalid'),
  requestLimitExceeded: () => ApiFailure.of(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
  notFound: (message = NOT_FOUND_MESSAGE) => ApiFailure.of(404, 'NOT_FOUND', message),
  /** GET/PATCH/DELETE /sobjects/{type}/{x} where x is neither a known record Id nor usable. */
  externalIdNotFound: (value: string) =>
    ApiFailure.of(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${value}`),
  entityIsDeleted: () => ApiFailure.of(404, 'ENTITY_IS_DELETED', 'entity is deleted', []),
  serverUnavailable: () =>
    ApiFailure.of(503, 'SERVER_UNAVAILABLE', 'Server is temporarily unavailable, please try again later.'),
  methodNotAllowed: (method: string, allowed: string[]) =>
    ApiFailure.of(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`),
  jsonParser: (message: string) => ApiFailure.of(400, 'JSON_PARSER_ERROR', message),
  noSuchColumn: (field: string, sobject: string) =>
    ApiFailure.of(400, 'INVALID_FIELD', `No such column '${field}' on sobject of type ${sobject}`),
  fieldInBody: (field: string) =>
    ApiFailure.of(400, 'INVALID_FIELD', `The ${field} field should not be specified in the sobject data.`),
  malformedQuery: (message: string) => ApiFailure.of(400, 'MALFORMED_QUERY', message),
  invalidQueryField: (message: string) => ApiFailure.of(400, 'INVALID_FIELD', message),
  invalidType: (message: string) => ApiFailure.of(400, 'INVALID_TYPE', message),
  invalidQueryLocator: () => ApiFailure.of(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator'),
  /** sObject Collections accept at most 200 records (SOAP/Apex wording for the same limit). */
  exceededIdLimit: (max: number) =>
    ApiFailure.of(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${max} records into this call`,
    ),
};

function saveError(statusCode: string, message: string, fields: string[] = []): SaveError {
  return { statusCode, message, fields };
}

export const SaveErrors = {
  requiredMissing: (fields: string[]) =>
    saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${fields.join(', ')}]`, fields),
  stringTooLong: (label: string, field: string, value: string, max: number) =>
    saveError('STRING_TOO_LONG', `${label}: data value too large: ${value} (max length=${max})`, [field]),
  invalidEmail: (label: string, field: string, value: string) =>
    saveError('INVALID_EMAIL_ADDRESS', `${label}: invalid email address: ${value}`, [field]),
  invalidTypeOnField: (label: string, field: string, value: unknown) =>
    saveError('INVALID_TYPE_ON_FIELD_IN_RECORD', `${label}: value not of required type: ${String(value)}`, [field]),
  restrictedPicklist: (label: string, field: string, value: string) =>
    saveError(
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      `${label}: bad value for restricted picklist field: ${value}`,
      [field],
    ),
  malformedId: (label: string, field: string, value: string) =>
    saveError('MALFORMED_ID', `${label}: id value of incorrect type: ${value}`, [field]),
  wrongReferenceType: (label: string, field: string, value: string) =>
    saveError('FIELD_INTEGRITY_EXCEPTION', `${label}: id value of incorrect type: ${value}`, [field]),
  invalidCrossReference: (field: string) =>
    saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field]),
  notWritable: (fields: string[]) =>
    saveError(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${fields.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      fields,
    ),
  idInBody: () => saveError('INVALID_FIELD', 'The Id field should not be specified in the sobject data.'),
  duplicateValue: (field: string, existingId: string) =>
    saveError('DUPLICATE_VALUE', `duplicate value found: ${field} duplicates value on record with id: ${existingId}`),
  /** The same external id value twice in one request: every record sharing it fails. */
  duplicateExternalIdInRequest: (value: string) =>
    saveError('DUPLICATE_VALUE', `Duplicate external id specified: ${value}`),
  /** A non-unique external id field matched several stored records. */
  externalIdMatchesMany: (field: string, value: string) =>
    saveError('DUPLICATE_EXTERNAL_ID', `The external ID provided (${value}) matches more than one record`, [field]),
  missingExternalId: (field: string) => saveError('MISSING_ARGUMENT', `${field} not specified`),
  /** A record of a collections update without its id (sandbox wording). */
  idNotSpecifiedForUpdate: () => saveError('MISSING_ARGUMENT', 'Id not specified in an update call'),
  /** A row of a Bulk API delete job without an Id (sandbox wording, after the update call's). */
  idNotSpecifiedForDelete: () => saveError('MISSING_ARGUMENT', 'Id not specified in a delete call'),
  foreignKeyNotFound: (value: string, field: string, entity: string) =>
    saveError('INVALID_FIELD', `Foreign key external ID: ${value} not found for field ${field} in entity ${entity}`),
  foreignKeyMatchesMany: (value: string, field: string, entity: string) =>
    saveError(
      'DUPLICATE_EXTERNAL_ID',
      `Foreign key external ID: ${value} matched more than one record for field ${field} in entity ${entity}`,
    ),
  bothReferenceAndId: (relationship: string, idField: string) =>
    saveError(
      'INVALID_FIELD',
      `Cannot specify both an external ID reference ${relationship} and a salesforce id, ${idField}`,
    ),
  notExternalIdField: (field: string, entity: string) =>
    saveError('INVALID_FIELD', `Field ${field} is not an External ID or indexed field for ${entity}`, [field]),
  entityIsDeleted: () => saveError('ENTITY_IS_DELETED', 'entity is deleted'),
  /** A second PricebookEntry for the same (Pricebook2Id, Product2Id). */
  priceDefinitionExists: () => saveError('DUPLICATE_VALUE', 'This price definition already exists in this price book'),
  /** A custom price book entry for a product without a standard price. */
  standardPriceNotDefined: () =>
    saveError('STANDARD_PRICE_NOT_DEFINED', 'Before creating a custom price, create a standard price.'),
  /** Adding or deleting an order product of an activated order, or deleting the order, without "Edit Activated Orders". */
  activatedOrderLocked: () =>
    saveError(
      'ENTITY_IS_LOCKED',
      'Unable to modify activated or superseded Order: cannot delete Order, or add or remove Order Products',
    ),
  /** Editing an order product of an activated order without "Edit Activated Orders" (sandbox wording). */
  activatedOrderProductEdit: () =>
    saveError('FIELD_INTEGRITY_EXCEPTION', "You can't edit an activated order's products."),
  /** The order product's price book entry is not in the order's price book (or the order has none). */
  pricebookEntryNotInOrderPricebook: () =>
    saveError(
      'FIELD_INTEGRITY_EXCEPTION',
      'field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the order)',
      ['PricebookEntryId'],
    ),
  /** An order created with a status of the Activated category (sandbox wording). */
  orderCreatedActivated: () =>
    saveError(
      'FAILED_ACTIVATION',
      'Choose a valid order status and save your changes. For a new or cloned order, choose Draft.',
      ['Status'],
    ),
  /** An order activated without order products (sandbox wording). */
  activationWithoutProducts: () =>
    saveError('FAILED_ACTIVATION', 'An order must include at least one product before it can be activated.', [
      'Status',
    ]),
  /** An order activated in the same write that changes other fields (sandbox wording of a documented rule). */
  activationWithOtherChanges: (fields: string[]) =>
    saveError(
      'FAILED_ACTIVATION',
      `When you activate an order, Status is the only field you can update: ${fields.join(', ')}`,
      fields,
    ),
  /** Undeleting a record that is not in the Recycle Bin (sandbox wording; SOAP answers UNDELETE_FAILED). */
  undeleteNotDeleted: () => saveError('UNDELETE_FAILED', 'Entity is not in the recycle bin'),
  unableToLockRow: (id: string) =>
    saveError('UNABLE_TO_LOCK_ROW', `unable to obtain exclusive access to this record or 1 records: ${id}`),
  rolledBack: () =>
    saveError(
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'Record rolled back because not all records were valid and the request was using AllOrNone header',
    ),
};
