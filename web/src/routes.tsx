import { lazy } from 'react';
import { createBrowserRouter } from 'react-router';
import { Layout, RequireAuth, SignedOutOnly } from './components/Layout';
import { Dashboard } from './pages/Dashboard';
import { SignIn } from './pages/SignIn';

// The first screens (sign-in, the dashboard) ship in the main bundle; every other page, and the
// heavy parts inside them (uPlot, qrcode), are separate chunks fetched when first opened.
const SignUp = lazy(() => import('./pages/SignUp'));
const Verify = lazy(() => import('./pages/Verify'));
const ForgotPassword = lazy(() => import('./pages/ForgotPassword'));
const LineDetail = lazy(() => import('./pages/LineDetail'));
const ClaimLine = lazy(() => import('./pages/ClaimLine'));
const Plans = lazy(() => import('./pages/Plans'));
const PlanDetail = lazy(() => import('./pages/PlanDetail'));
const Checkout = lazy(() => import('./pages/Checkout'));
const Orders = lazy(() => import('./pages/Orders'));
const OrderStatus = lazy(() => import('./pages/OrderStatus'));
const Account = lazy(() => import('./pages/Account'));
const DevMailbox = lazy(() => import('./pages/DevMailbox'));
const NotFound = lazy(() => import('./pages/NotFound'));

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      {
        element: <SignedOutOnly />,
        children: [
          { path: '/sign-in', element: <SignIn /> },
          { path: '/sign-up', element: <SignUp /> },
          { path: '/verify', element: <Verify /> },
          { path: '/forgot-password', element: <ForgotPassword /> },
        ],
      },
      { path: '/plans', element: <Plans /> },
      { path: '/plans/:code', element: <PlanDetail /> },
      { path: '/dev/mailbox', element: <DevMailbox /> },
      {
        element: <RequireAuth />,
        children: [
          { path: '/', element: <Dashboard /> },
          { path: '/lines/claim', element: <ClaimLine /> },
          { path: '/lines/:id', element: <LineDetail /> },
          { path: '/checkout', element: <Checkout /> },
          { path: '/orders', element: <Orders /> },
          { path: '/orders/:id', element: <OrderStatus /> },
          { path: '/account', element: <Account /> },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
