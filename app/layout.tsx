import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { FormSizeGuard } from '@/components/forms/form-size-guard';
import { RouteFocus } from '@/components/shell/route-focus';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Userdesk', template: '%s · Userdesk' },
  description: 'Manage your organization\'s users, access and API credentials.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        {children}
        <FormSizeGuard />
        <RouteFocus />
      </body>
    </html>
  );
}
