import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="max-w-md text-center">
        <p className="text-sm font-semibold text-indigo-700">404</p>
        <h1 className="mt-2 text-2xl font-semibold">Page not found</h1>
        <p className="mt-2 text-sm text-slate-600">The page or record does not exist, or it is not in your environments.</p>
        <Link href="/" className="mt-6 inline-block text-sm font-medium text-indigo-700 hover:underline">
          Go to your start page
        </Link>
      </div>
    </main>
  );
}
