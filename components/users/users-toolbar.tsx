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

function Filter({ id, name, label, any, value, options }: { id: string; name: string; label: string; any: string; value?: string; options: { value: string; label: string }[] }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select id={id} name={name} defaultValue={value ?? ''} className={`${inputClass} mt-1`}>
        <option value="">{any}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

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
      <Filter id="users-status" name="status" label="Status" any="Any status" value={params.status} options={STATUSES.map(([value, label]) => ({ value, label }))} />
      <Filter id="users-role" name="role" label="Role" any="Any role" value={params.role} options={roles.map((r) => ({ value: r.id, label: r.name }))} />
      {params.sort !== 'name' && <input type="hidden" name="sort" value={params.sort} />}
      {params.dir !== 'asc' && <input type="hidden" name="dir" value={params.dir} />}
      <Button type="submit" variant="secondary">
        Apply
      </Button>
    </form>
  );
}
