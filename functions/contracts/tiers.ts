/** Tier names: part of the contract (a user's tier is in API answers). Their limits are in functions/platform/tiers.ts. */
export const TIERS = ['free', 'base', 'pro'] as const;
export type Tier = (typeof TIERS)[number];
