'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { useToast } from '@/components/ui/toast';

/** After Add: says so once, then drops `?added=1` from the URL so a reload does not repeat it. */
export function AddedNotice({ email }: { email: string }) {
  const toast = useToast();
  const router = useRouter();
  const pathname = usePathname();
  const shown = useRef(false);
  useEffect(() => {
    if (shown.current) return;
    shown.current = true;
    toast(`${email} was added and an invitation was sent.`);
    router.replace(pathname, { scroll: false });
  }, [email, pathname, router, toast]);
  return null;
}
