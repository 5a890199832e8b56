import Link from 'next/link';

export default function Forbidden() {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="max-w-md text-center">
        <p className="text-sm font-semibold text-indigo-700">403</p>
        <h1 className="mt-2 text-2xl font-semibold">You do not have access to this page</h1>
        <p className="mt-2 text-sm text-slate-600">Your role does not include this area. Ask an Administrator if you need it.</p>
        <Link href="/" className="mt-6 inline-block text-sm font-medium text-indigo-700 hover:underline">
          Go to your start page
        </Link>
      </div>
    </main>
  );
}
