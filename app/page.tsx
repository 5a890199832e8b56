import { redirect } from 'next/navigation';
import { hasPermission } from '@/lib/auth/permissions';
import { requireUser } from '@/lib/auth/session';

// Managers land on the Users screen; everyone else on their own profile.
export default async function Home() {
  const user = await requireUser();
  redirect(hasPermission(user, 'users.read') ? '/users' : '/profile');
}
