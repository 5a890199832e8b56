import { Button } from '@/components/ui/button';
import { inputClass } from '@/components/ui/field';
import type { ListParams } from '@/lib/users/list';

const STATUSES = [
  ['active', 'Active'],
  ['invited', 'Invited'],
  ['locked', 'Locked'],
  ['inactive', 'Inactive'],
  ['banned', 'Banned'],
] as const;

/** Search and filters as a plain GET form: every view is a URL, and it works before JavaScript loads. */
export function UsersToolbar({ params, roles }: { params: ListParams; roles: { id: string; name: string }[] }) {
  return (
    <form method="get" action="/users" role="search" aria-label="Users" className="mb-4 flex flex-wrap items-end gap-3">
      <div className="min-w-64 flex-1">
        <label htmlFor="users-search" className="block text-sm font-medium text-slate-800">
          Search
        </label>
        <input id="users-search" type="search" name="q" defaultValue={params.q} placeholder="Name or email" className={`${inputClass} mt-1`} />
      </div>
      <div>
        <label htmlFor="users-status" className="block text-sm font-medium text-slate-800">
          Status
        </label>
        <select id="users-status" name="status" defaultValue={params.status ?? ''} className={`${inputClass} mt-1`}>
          <option value="">Any status</option>
          {STATUSES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="users-role" className="block text-sm font-medium text-slate-800">
          Role
        </label>
        <select id="users-role" name="role" defaultValue={params.role ?? ''} className={`${inputClass} mt-1`}>
          <option value="">Any role</option>
          {roles.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </div>
      {params.sort !== 'name' && <input type="hidden" name="sort" value={params.sort} />}
      {params.dir !== 'asc' && <input type="hidden" name="dir" value={params.dir} />}
      <Button type="submit" variant="secondary">
        Apply
      </Button>
    </form>
  );
}
