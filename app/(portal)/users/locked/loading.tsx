import { Skeleton, TableSkeleton } from '@/components/ui/skeleton';

export default function Loading() {
  return (
    <div>
      <Skeleton className="mb-2 h-6 w-32" />
      <Skeleton className="mb-6 h-4 w-96 max-w-full" />
      <Skeleton className="mb-4 h-8 w-64" />
      <Skeleton className="mb-3 h-9 w-full" />
      <TableSkeleton label="Loading users" />
    </div>
  );
}
