import { LIMITS, PATHWAYS, PATHWAY_NAMES, type EventSpec, type FieldSpec, type PathwayName } from '../../machines/index.js';

/**
 * The OpenAPI schemas of what clients send to POST /cases/:id/events and POST /cases, generated from
 * the machines' event catalogue and field specs: a new event or field shows in /docs with no edit here.
 */

type Schema = Record<string, unknown>;

const capital = (name: string): string => name[0].toUpperCase() + name.slice(1);

/** The component name of one pathway's schema for an event type: PersonEvent.HIRED, EmployerEvent.PATTO_SIGNED. */
export const eventSchemaName = (pathway: PathwayName, type: string): string => `${capital(pathway)}Event.${type}`;

/** The component name for a type that several pathways know with their own fields: Event.PATTO_SIGNED. */
export const sharedEventSchemaName = (type: string): string => `Event.${type}`;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** An ISO 8601 date (YYYY-MM-DD) or date-time, as the machines accept for dates. */
const DATE: Schema = { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }], example: '2026-03-02' };

/** The JSON schema of one payload field, from its spec. */
export function fieldSchema(spec: FieldSpec): Schema {
  const description = spec.description.en;
  const t = spec.type;
  switch (t.kind) {
    case 'string':
      return { type: 'string', minLength: 1, maxLength: t.maxLength ?? LIMITS.maxTextLength, description };
    case 'date':
      return { ...DATE, description: `${description}. An ISO 8601 date (YYYY-MM-DD) or date-time.` };
    case 'integer':
      return { type: 'integer', minimum: t.min, maximum: t.max, description };
    case 'boolean':
      return { type: 'boolean', description };
    case 'enum':
      return { type: 'string', enum: [...t.values], description };
    case 'enumList':
      return { type: 'array', items: { type: 'string', enum: [...t.values] }, uniqueItems: true, description };
    case 'operator':
      return ref('Operator');
  }
}

/** An object of fields: the properties and the required ones (none listed when none is required). */
export function fieldsSchema(fields: readonly FieldSpec[]): Schema {
  const required = fields.filter((f) => f.required).map((f) => f.name);
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f)])),
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** Every event type of the catalogue, with the pathways that know it. */
export function eventTypes(): Map<string, PathwayName[]> {
  const types = new Map<string, PathwayName[]>();
  for (const pathway of PATHWAY_NAMES)
    for (const type of Object.keys(PATHWAYS[pathway].events)) types.set(type, [...(types.get(type) ?? []), pathway]);
  return types;
}

function eventSchema(pathway: PathwayName, spec: EventSpec): Schema {
  const fields = fieldsSchema(spec.fields);
  const service = spec.service ? `service ${spec.service}` : 'no service (case-wide)';
  return {
    ...fields,
    title: `${spec.type} (${pathway} pathway)`,
    description: `${spec.summary.en}. Pathway: ${pathway} (${PATHWAYS[pathway].title.en}); ${service}.`,
    required: ['type', ...((fields.required as string[] | undefined) ?? [])],
    properties: {
      type: { type: 'string', enum: [spec.type] },
      at: { ...DATE, description: 'When the act took place (ISO 8601 date or date-time); defaults to now.' },
      ...(fields.properties as Schema),
    },
  };
}

/**
 * The event schemas: one per pathway and event type, plus, for a type several pathways know, one
 * that accepts either pathway's fields (the case's pathway decides which applies); and the body of
 * POST /cases/:id/events, a oneOf discriminated by `type`.
 */
export function eventSchemas(): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  const mapping: Record<string, string> = {};
  for (const [type, pathways] of eventTypes()) {
    for (const pathway of pathways) schemas[eventSchemaName(pathway, type)] = eventSchema(pathway, PATHWAYS[pathway].events[type]);
    if (pathways.length === 1) {
      mapping[type] = `#/components/schemas/${eventSchemaName(pathways[0], type)}`;
      continue;
    }
    schemas[sharedEventSchemaName(type)] = {
      type: 'object',
      title: `${type} (${pathways.join(' or ')} pathway)`,
      description:
        `${type} exists in the ${pathways.join(' and ')} pathways, with their own fields: the case's pathway decides which schema applies. ` +
        pathways.map((p) => `${capital(p)}: ${PATHWAYS[p].events[type].summary.en}.`).join(' '),
      required: ['type'],
      properties: { type: { type: 'string', enum: [type] } },
      anyOf: pathways.map((p) => ref(eventSchemaName(p, type))),
    };
    mapping[type] = `#/components/schemas/${sharedEventSchemaName(type)}`;
  }
  schemas.EventBody = {
    description:
      "An event to apply: `type` names it, `at` (optional) dates it, and the other fields are its payload. The operator is the request's actor and `receivedAt` the service's clock: neither comes from the body. One schema per event type, generated from the machines' catalogue (GET /pathways/:name lists the same fields).",
    oneOf: [...new Set(Object.values(mapping))].map((target) => ({ $ref: target })),
    discriminator: { propertyName: 'type', mapping },
  };
  return schemas;
}

/**
 * Who a case is about, by pathway (src/cases/subject.ts). The formats are this API's own: JSON
 * Schema cannot say what a check character is.
 */
const SUBJECT_SCHEMAS: Record<PathwayName, Schema> = {
  person: {
    type: 'string',
    minLength: 1,
    maxLength: 200,
    format: 'it-tax-code',
    example: 'RSSMRA80A01H501U',
    description:
      "The person's Italian tax code (codice fiscale): 16 characters with a matching check character, omocodia accepted. Spaces and letter case do not matter: it is stored without spaces, in upper case.",
  },
  employer: {
    type: 'string',
    minLength: 1,
    maxLength: 200,
    format: 'it-company-tax-id',
    example: '12345678903',
    description:
      "The company's partita IVA (11 digits with a matching check digit) or tax code (16 characters: a sole trader's). Stored without spaces, in upper case.",
  },
};

/** The body of POST /cases: one schema per pathway, discriminated by `pathway`, each with its opening data. */
export function createCaseSchemas(): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  const mapping: Record<string, string> = {};
  for (const pathway of PATHWAY_NAMES) {
    const name = `Create${capital(pathway)}Case`;
    mapping[pathway] = `#/components/schemas/${name}`;
    schemas[name] = {
      type: 'object',
      title: `Open a ${pathway} case`,
      description: `Opens a case on the ${pathway} pathway (${PATHWAYS[pathway].title.en}).`,
      required: ['pathway', 'subject'],
      additionalProperties: false,
      properties: {
        pathway: { type: 'string', enum: [pathway] },
        subject: SUBJECT_SCHEMAS[pathway],
        officeId: {
          type: 'string',
          format: 'uuid',
          description:
            "The case's office, one the acting operator works for (GET /me); optional when they work for exactly one. A practice case opened by someone in no office has none.",
        },
        input: { ...fieldsSchema(PATHWAYS[pathway].inputFields), description: `The ${pathway} pathway's opening data.` },
        practice: {
          type: 'boolean',
          default: false,
          description:
            "A trainee's practice case (the inspector's sandbox): never sent to webhooks, listed only with ?practice=true or all.",
        },
      },
    };
  }
  schemas.CreateCase = {
    oneOf: Object.values(mapping).map((target) => ({ $ref: target })),
    discriminator: { propertyName: 'pathway', mapping },
  };
  return schemas;
}
