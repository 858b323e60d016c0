"""The Celery idioms of a small app, written for taskhawk (run in sync mode here)."""

import settings

import taskhawk

taskhawk.configure(settings, TASKHAWK_SYNC=True)


# Celery: @app.task(bind=True, max_retries=None)
@taskhawk.task(name="billing.charge_card")
def charge_card(customer_id: int, cents: int, *, attempt_refund: bool = False) -> None:
    if cents <= 0:
        # Celery: raise Ignore()
        raise taskhawk.IgnoreException("nothing to charge")
    # Celery: raise self.retry(countdown=60) -> raise taskhawk.RetryException(delay_seconds=60)
    print(f"charged customer {customer_id}: {cents} cents")


# Celery: charge_card.delay(42, 1999)
charge_card.dispatch(42, 1999)
# Celery: charge_card.apply_async(args=(42, 500), queue="high", headers={"request_id": "r-7"})
charge_card.with_priority(taskhawk.Priority.high).with_headers(request_id="r-7").dispatch(42, 500)
# Celery: charge_card.apply_async(args=(42, 300), countdown=60, expires=3600); in sync mode a
# delayed task runs at once.
charge_card.with_delay(60).with_expires(3600).dispatch(42, 300)
# Celery: charge_card(7, 100) calls the function here and now; so does calling a taskhawk task.
charge_card(7, 100)
