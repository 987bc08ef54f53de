from django.core.management.base import BaseCommand

from events.services.registration import waiting_lists_process


class Command(BaseCommand):
    help = (
        "Lapse the offers of places whose time ran out and offer every free place to the next person on its event's "
        "waiting list (each with an e-mail when they gave an address). Run it from cron every few minutes; the same "
        "happens whenever an event is touched (a registration, a step, a participant's page)."
    )

    def handle(self, *args, **options):
        lapsed, offered = waiting_lists_process()
        self.stdout.write(f"{lapsed} offer(s) lapsed, {offered} place(s) offered.")
