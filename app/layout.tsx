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
    // Scrolling to a control (Tab, Shift+Tab, a link to a field) keeps it clear of the portal's sticky
    // header (3.5rem) and, from sm up where lists are tables, of the sticky column headings under it.
    <html lang="en" className="scroll-pt-18 sm:scroll-pt-26">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        {children}
        <FormSizeGuard />
        <RouteFocus />
      </body>
    </html>
  );
}
