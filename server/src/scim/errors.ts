// SCIM errors (RFC 7644 §3.12): { schemas: [Error URN], status: "400", scimType?, detail }. Every SCIM
// route answers errors in this shape (routes/scim.ts installs the handler), never warden's own.
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | null,
    detail: string,
  ) {
    super(detail);
    this.name = 'ScimError';
  }

  body(): Record<string, unknown> {
    return { schemas: [ERROR_URN], status: String(this.status), ...(this.scimType ? { scimType: this.scimType } : {}), detail: this.message };
  }
}

export const invalidValue = (detail: string): ScimError => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string): ScimError => new ScimError(400, 'invalidSyntax', detail);
export const invalidFilter = (detail: string): ScimError => new ScimError(400, 'invalidFilter', detail);
export const uniqueness = (detail: string): ScimError => new ScimError(409, 'uniqueness', detail);
export const scimNotFound = (detail: string): ScimError => new ScimError(404, null, detail);
