/**
 * The TypeBox builders our route schemas use, as one `Type` object. `typebox` is some 700
 * small modules; importing it at run time loaded 373 of them and added about 200 ms to a
 * License Server's start. `npm run build` (scripts/bundle.mjs) therefore replaces this file's
 * compiled form with these builders bundled from `typebox` (about 19 KB, one module); tests,
 * which run the sources, import the package itself. A builder not listed here is added here.
 */
import * as TypeBox from 'typebox';

export const Type = {
  Array: TypeBox.Array,
  Boolean: TypeBox.Boolean,
  Integer: TypeBox.Integer,
  Null: TypeBox.Null,
  Number: TypeBox.Number,
  Object: TypeBox.Object,
  Optional: TypeBox.Optional,
  String: TypeBox.String,
  Union: TypeBox.Union,
  Unknown: TypeBox.Unknown,
  Unsafe: TypeBox.Unsafe,
};
