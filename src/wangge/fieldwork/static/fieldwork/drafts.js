// Offline drafts for fieldwork forms (built with the mobile pages).
