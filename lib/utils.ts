import { clsx, type ClassValue } from 'clsx';
import { twMerge } from 'tailwind-merge';

export const cn = (...inputs: ClassValue[]) => twMerge(clsx(inputs));

/** A time as the server renders it, before the viewer's own zone is known: "2026-12-06 09:38 UTC". */
export const utcMinute = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** "2 other environments": those of a user or key whose names the viewer is not told (their reach ends before them). */
export const otherEnvironmentsLabel = (count: number) => `${count} other environment${count === 1 ? '' : 's'}`;
