import { toJsonSchemaNullable } from './openapi-document.js';

describe('toJsonSchemaNullable (OpenAPI 3.0 nullable to the 3.1 forms validators read)', () => {
  it('turns a nullable nested object written beside allOf into anyOf with null', () => {
    expect(
      toJsonSchemaNullable({
        type: 'object',
        nullable: true,
        description: 'the sign-off',
        allOf: [{ $ref: '#/components/schemas/SignOff' }],
      }),
    ).toEqual({
      description: 'the sign-off',
      anyOf: [{ $ref: '#/components/schemas/SignOff' }, { type: 'null' }],
    });
  });

  it('turns a nullable $ref into anyOf with null', () => {
    expect(toJsonSchemaNullable({ $ref: '#/components/schemas/X', nullable: true })).toEqual({
      anyOf: [{ $ref: '#/components/schemas/X' }, { type: 'null' }],
    });
  });

  it('adds null to the type, and to an enum, of a nullable scalar', () => {
    expect(toJsonSchemaNullable({ type: 'string', nullable: true, enum: ['a', 'b'] })).toEqual({
      type: ['string', 'null'],
      enum: ['a', 'b', null],
    });
  });

  it('rewrites at any depth and leaves the rest alone', () => {
    expect(
      toJsonSchemaNullable({
        properties: { when: { type: 'string', format: 'date-time', nullable: true }, n: { type: 'number' } },
      }),
    ).toEqual({
      properties: { when: { type: ['string', 'null'], format: 'date-time' }, n: { type: 'number' } },
    });
  });
});
