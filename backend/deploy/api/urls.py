from django.urls import path

from deploy.api import views

urlpatterns = [
    path(
        "deployments/",
        views.DeploymentListCreateView.as_view(),
        name="deploy-deployment-list",
    ),
    path(
        "deployments/<int:pk>/",
        views.DeploymentDetailView.as_view(),
        name="deploy-deployment-detail",
    ),
    path("info/", views.DeployInfoView.as_view(), name="deploy-info"),
]
