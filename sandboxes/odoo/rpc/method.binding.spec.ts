import { bindArguments, type MethodSignature } from './method.binding';

const searchRead: MethodSignature = {
  qualifiedName: 'BaseModel.search_read',
  parameters: [
    { name: 'domain', default: null },
    { name: 'fields', default: null },
    { name: 'offset', default: 0 },
    { name: 'limit', default: null },
    { name: 'order', default: null },
  ],
  varKeywords: true,
};
const write: MethodSignature = { qualifiedName: 'BaseModel.write', parameters: [{ name: 'vals' }] };
const nameSearch: MethodSignature = {
  qualifiedName: 'BaseModel.name_search',
  parameters: [
    { name: 'name', default: '' },
    { name: 'args', default: null },
    { name: 'operator', default: 'ilike' },
    { name: 'limit', default: 100 },
  ],
  aliases: { domain: 'args' },
};

describe('bindArguments', () => {
  it('binds positional and keyword arguments and fills in defaults', () => {
    expect(bindArguments(searchRead, [[['a', '=', 1]]], { fields: ['name'], load: false }, 'call')).toEqual({
      domain: [['a', '=', 1]],
      fields: ['name'],
      offset: 0,
      limit: null,
      order: null,
      load: false,
    });
  });

  it("words a missing argument as Python's call does, or as inspect's bind does", () => {
    expect(() => bindArguments(write, [], {}, 'call')).toThrow(
      "BaseModel.write() missing 1 required positional argument: 'vals'",
    );
    expect(() => bindArguments(write, [], {}, 'bind')).toThrow("missing a required argument: 'vals'");
  });

  it('refuses unknown keywords, duplicates and too many positional arguments', () => {
    expect(() => bindArguments(write, [{}], { vals_list: {} }, 'bind')).toThrow(
      "got an unexpected keyword argument 'vals_list'",
    );
    expect(() => bindArguments(write, [{}], { vals: {} }, 'call')).toThrow(
      "BaseModel.write() got multiple values for argument 'vals'",
    );
    expect(() => bindArguments(write, [{}, {}], {}, 'call')).toThrow(
      'BaseModel.write() takes 2 positional arguments but 3 were given',
    );
  });

  it('accepts a renamed parameter under its other name', () => {
    expect(bindArguments(nameSearch, ['acme'], { domain: [['is_company', '=', true]] }, 'bind').args).toEqual([
      ['is_company', '=', true],
    ]);
  });
});
