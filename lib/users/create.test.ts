import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newUserSchema } from './create';
import { updateUserFieldsSchema } from './fields';
import { fromUserForm } from './form';
import { userUpdateSchema } from './update';

const user = { firstName: 'Sam', lastName: 'Lee', email: 'sam@example.test', roleId: '6f1c2a7e-0d7b-4c0e-9a51-2f9d8a7b3c11' };

describe('tags', () => {
  it('are refused when one name appears twice, whatever its case, from the form, a direct call or the API', () => {
    const form = { ...user, tagName: ['ExternalUserId', ' externaluserid '], tagValue: ['123', '456'] };
    const added = fromUserForm(newUserSchema).safeParse(form);
    expect(added.success).toBe(false);
    expect(z.flattenError(added.error!).fieldErrors.tags).toEqual(['The tag externaluserid is there twice. Keep one value per tag name.']);
    const twice = [{ name: 'Team', value: 'a' }, { name: 'TEAM', value: 'b' }];
    expect(userUpdateSchema.safeParse({ ...user, tags: twice, version: 1 }).success).toBe(false);
    expect(updateUserFieldsSchema.safeParse({ tags: twice }).success).toBe(false);
    // Distinct names are fine.
    expect(newUserSchema.parse({ ...user, tags: [{ name: 'Team', value: 'a' }, { name: 'Site', value: 'b' }] }).tags).toHaveLength(2);
  });
});
