// features/notifications/: the user's notifications: the header bell, its dropdown, and a toast
// per new one (one per burst of them).
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { NotificationsBell } from './components/notifications-bell';
