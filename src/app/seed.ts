import type { Services } from './services.js';

/** The demo customer `npm start` creates and prints, so a person can sign in at once. */
export const DEMO_CUSTOMER = {
  email: 'demo@roamline.test',
  phone: '+85261234567',
  password: 'Roamline-demo-2026',
  name: 'Demo Traveller',
} as const;

/** Seeds the demo data; safe to run again (existing rows are left alone). */
export async function seedDemo(services: Services): Promise<{ customerId: string }> {
  const customerId = await services.accounts.signIn.provisionCustomer({ ...DEMO_CUSTOMER, language: 'en' });
  // Zones, plans, add-ons and promotions; existing codes are left alone.
  await services.catalog.seedDemoCatalog();
  // The claimable SIMs (DEMO_CLAIMABLE_SIMS), the eSIM pool and physical SIMs in stock for SIM card
  // orders; existing SIMs are skipped.
  await services.provisioning.seedDemoInventory();
  return { customerId };
}
